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

/* A record may take 328 bytes, most of the 512 the BPF stack has: build it in a per-CPU slot
 * instead. Iterator programs run with migration disabled, so no other program touches this
 * CPU's slot while one runs. Only what a record holds is written: no clearing of the rest. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct pidns_task_record);
} scratch SEC(".maps");

/* Fills levels[0..level] from the leader's struct pid, and returns its own namespace (the last
 * level's). The verifier refuses a load from numbers[i] with a variable i through a BTF pointer,
 * so each goes through bpf_probe_read_kernel (BPF_CORE_READ), which may read any kernel address
 * and fails softly; and so does what hangs off the namespace pointer it returns, a plain number
 * to the verifier. */
static struct pid_namespace* fill_levels(struct pidns_task_record* rec, struct pid* pid) {
  struct pid_namespace* ns = 0;
  for (__u32 i = 0; i < PIDNS_MAX_LEVELS; i++) {
    if (i > rec->level) break;
    ns = BPF_CORE_READ(pid, numbers[i].ns);
    rec->levels[i].nr = BPF_CORE_READ(pid, numbers[i].nr);
    rec->levels[i].ns_inum = BPF_CORE_READ(ns, ns.inum);
  }
  return ns;
}

/* What the namespace ioctls would say of the task's own namespace. ns_id is Linux 6.18's
 * (NS_GET_ID): on an older kernel the field does not exist, CO-RE turns the test into a constant
 * false and the verifier drops the read. */
static void describe_own(struct pidns_task_record* rec, struct pid_namespace* ns) {
  struct user_namespace* owner = BPF_CORE_READ(ns, user_ns);
  rec->own_userns = BPF_CORE_READ(owner, ns.inum);
  rec->own_userns_uid = BPF_CORE_READ(owner, owner.val);
  rec->own_ns_id = 0;
  if (bpf_core_field_exists(ns->ns.ns_id)) rec->own_ns_id = BPF_CORE_READ(ns, ns.ns_id);
}

SEC("iter/task")
int pidns_tasks(struct bpf_iter__task* ctx) {
  struct task_struct* task = ctx->task;
  __u32 zero = 0;

  if (!task) return 0;                   /* the end of the walk: nothing to write */
  if (task->pid != task->tgid) return 0; /* a thread: its leader stands for the process */
  struct pidns_task_record* rec = bpf_map_lookup_elem(&scratch, &zero);
  if (!rec) return 0;
  struct pid* pid = task->thread_pid;
  if (!pid) return 0; /* being reaped (detach_pid): procfs no longer lists it either */
  __u32 level = pid->level;
  /* More than MAX_PID_NS_LEVEL cannot be; the decoder would reject it anyway. */
  if (level >= PIDNS_MAX_LEVELS) return 0;

  /* Plain loads through the task's BTF pointers: the verifier turns each into one load that
   * faults softly, where BPF_CORE_READ costs a helper call. CO-RE relocates their offsets all
   * the same. */
  rec->tgid = task->tgid;
  rec->parent_tgid = task->real_parent->tgid;
  rec->uid = task->real_cred->uid.val;
  rec->flags = task->flags;
  rec->exit_state = task->exit_state;
  rec->nr_threads = task->signal->nr_threads;
  rec->level = level;
  rec->reserved = 0;
  /* All 16 bytes: set_task_comm() pads with NULs, so no byte of an earlier record stays. */
  bpf_probe_read_kernel(rec->comm, sizeof(rec->comm), task->comm);
  describe_own(rec, fill_levels(rec, pid));

  bpf_seq_write(ctx->meta->seq, rec, PIDNS_RECORD_SIZE(level));
  return 0;
}
