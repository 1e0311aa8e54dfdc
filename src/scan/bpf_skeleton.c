/* bpf_skeleton: loads the BPF task iterator through bpftool's light skeleton. The skeleton makes
 * its bpf(2) calls itself: no libbpf at run time. */
/* skel_internal.h maps memory MAP_ANONYMOUS, which strict ISO C modes hide. */
#define _DEFAULT_SOURCE
#include "scan/bpf_skeleton.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The generated code computes sizes by arithmetic on void pointers and initialises with {}, both
 * GNU extensions, and embeds the program in one long string literal. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpointer-arith"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Woverlength-strings"
#include "task_iter.lskel.h"
#pragma GCC diagnostic pop

struct pidns_bpf_iter {
  struct pidns_task_iter* skel;
};

struct pidns_bpf_iter* pidns_bpf_iter_load(char* log, unsigned log_size, const char** step) {
  struct pidns_bpf_iter* iter = calloc(1, sizeof(*iter));
  if (iter == NULL || (iter->skel = pidns_task_iter__open()) == NULL) {
    free(iter);
    *step = "allocating the BPF task iterator";
    errno = ENOMEM;
    return NULL;
  }
  if (log != NULL && log_size > 0) {
    log[0] = '\0';
    iter->skel->ctx.log_level = 1;
    iter->skel->ctx.log_size = log_size;
    iter->skel->ctx.log_buf = (uintptr_t)log;
  }
  int err = pidns_task_iter__load(iter->skel);
  *step = "loading the BPF task iterator";
  if (err == 0) {
    err = pidns_task_iter__attach(iter->skel) < 0 ? -errno : 0;
    *step = "attaching the BPF task iterator";
  }
  if (err == 0) return iter;
  pidns_bpf_iter_destroy(iter);
  errno = -err;
  return NULL;
}

int pidns_bpf_iter_create(const struct pidns_bpf_iter* iter) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.iter_create.link_fd = (uint32_t)iter->skel->links.pidns_tasks_fd;
  return (int)syscall(__NR_bpf, BPF_ITER_CREATE, &attr, sizeof(attr));
}

void pidns_bpf_iter_destroy(struct pidns_bpf_iter* iter) {
  if (iter == NULL) return;
  pidns_task_iter__destroy(iter->skel);
  free(iter);
}
