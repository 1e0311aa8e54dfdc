// SPDX-License-Identifier: GPL-2.0-only
/* task_iter: a BPF task iterator that writes one struct pidns_task_record per thread-group
 * leader of the PID namespace that created the iterator (kernel/bpf/task_iter.c walks the pid
 * IDR of the creator's active namespace, in PID order).
 *
 * GPL because the kernel only lets GPL programs call bpf_seq_write() and
 * bpf_probe_read_kernel(): the loader refuses any other license string. This file is a separate
 * program, loaded into the kernel; the rest of pidns-tree stays MIT. */
/* The kernel's types first: libbpf's headers expect them declared. */
// clang-format off
#include "kernel_types.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "task_record.h"
// clang-format on

char LICENSE[] SEC("license") = "GPL";

/* A record is 440 bytes, most of the 512 the BPF stack has: build it in a per-CPU slot instead.
 * Iterator programs run with migration disabled, so no other program touches this CPU's slot
 * while one runs. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct pidns_task_record);
} scratch SEC(".maps");

/* Fills levels[0..level] from the leader's struct pid. The verifier refuses a load from
 * numbers[i] with a variable i through a BTF pointer, so each goes through
 * bpf_probe_read_kernel (BPF_CORE_READ), which may read any kernel address and fails softly;
 * and so does what hangs off the namespace pointer it returns, a plain number to the verifier. */
static void fill_levels(struct pidns_task_record* rec, struct pid* pid) {
  for (__u32 i = 0; i < PIDNS_MAX_LEVELS; i++) {
    if (i > rec->level) break;
    struct pid_namespace* ns = BPF_CORE_READ(pid, numbers[i].ns);
    rec->levels[i].nr = BPF_CORE_READ(pid, numbers[i].nr);
    rec->levels[i].ns_inum = BPF_CORE_READ(ns, ns.inum);
    rec->levels[i].parent_inum = BPF_CORE_READ(ns, parent, ns.inum);
  }
}

SEC("iter/task")
int pidns_tasks(struct bpf_iter__task* ctx) {
  struct task_struct* task = ctx->task;
  __u32 zero = 0;

  if (!task) return 0;                   /* the end of the walk: nothing to write */
  if (task->pid != task->tgid) return 0; /* a thread: its leader stands for the process */
  struct pidns_task_record* rec = bpf_map_lookup_elem(&scratch, &zero);
  if (!rec) return 0;
  __builtin_memset(rec, 0, sizeof(*rec));

  /* Plain loads through the task's BTF pointers: the verifier turns each into one load that
   * faults softly, where BPF_CORE_READ costs a helper call (14 instead of 16 ms for 10,000
   * processes). CO-RE relocates their offsets all the same. */
  rec->tgid = task->tgid;
  rec->parent_tgid = task->real_parent->tgid;
  rec->uid = task->real_cred->uid.val;
  rec->flags = task->flags;
  rec->exit_state = task->exit_state;
  rec->nr_threads = task->signal->nr_threads;
  bpf_probe_read_kernel_str(rec->comm, sizeof(rec->comm), task->comm);

  struct pid* pid = task->thread_pid;
  if (!pid) return 0; /* being reaped (detach_pid): procfs no longer lists it either */
  rec->level = pid->level;
  /* More than MAX_PID_NS_LEVEL cannot be: write it anyway, and the decoder rejects it. */
  if (rec->level < PIDNS_MAX_LEVELS) fill_levels(rec, pid);

  bpf_seq_write(ctx->meta->seq, rec, sizeof(*rec));
  return 0;
}
