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

/* sizeof(struct upid) { int nr; struct pid_namespace *ns; } on 64-bit kernels, unchanged since
 * Linux 2.6.24; checked against the running kernel's at load time (CO-RE). */
#define UPID_SIZE 16

/* One CPU's work space. The record is built here (it may take 328 bytes, most of the 512 the BPF
 * stack has) and stays until the next task on this CPU overwrites it: consecutive PIDs mostly
 * live in one namespace, so the next task usually needs only its own PIDs, and the namespace
 * inodes, id and owner of the record before are reused. Iterator programs run with migration
 * disabled, so no other program touches this CPU's slot while one runs. */
struct scratch {
  struct pidns_task_record rec;
  __u8 upids[PIDNS_MAX_LEVELS * UPID_SIZE]; /* the leader's struct pid's numbers[], read at once */
  __u64 own_ns;    /* the address of the namespace whose levels and own_* fields rec holds */
  __u64 own_check; /* and its ns_id (Linux 6.18: never reused) or else its inode */
  __u32 own_level; /* and its level */
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct scratch);
} scratch SEC(".maps");

/* One level of the task, for bpf_loop(): its PID, and where the namespaces are not those of the
 * record before, the namespace's inode. bpf_loop() (Linux 5.17, as the light skeleton needs
 * anyway) has its callback verified once, where a loop of up to 33 rounds would be verified
 * round by round. Reads go through bpf_probe_read_kernel, which may read any kernel address and
 * fails softly: the namespace addresses in upids are plain numbers to the verifier. */
struct level_ctx {
  struct scratch* s;
  int cached;
};

static long fill_level(__u32 i, void* data) {
  struct level_ctx* c = data;
  struct scratch* s = c->s;
  __u64 k = i; /* 64 bits: a 32-bit product would be zero-extended, and its bound lost */
  if (k >= PIDNS_MAX_LEVELS) return 1;
  const __u8* u = s->upids + k * UPID_SIZE;
  s->rec.levels[k].nr = *(const __u32*)(u + bpf_core_field_offset(struct upid, nr));
  if (c->cached) return 0;
  struct pid_namespace* ns =
      (struct pid_namespace*)*(const __u64*)(u + bpf_core_field_offset(struct upid, ns));
  s->rec.levels[k].ns_inum = BPF_CORE_READ(ns, ns.inum);
  return 0;
}

/* What the namespace ioctls would say of the task's own namespace. ns_id is Linux 6.18's
 * (NS_GET_ID): on an older kernel the field does not exist, CO-RE turns the test into a constant
 * false and the verifier drops the read. */
static __u64 check_of(struct pid_namespace* ns) {
  if (bpf_core_field_exists(ns->ns.ns_id)) return BPF_CORE_READ(ns, ns.ns_id);
  return BPF_CORE_READ(ns, ns.inum);
}

static void describe_own(struct pidns_task_record* rec, struct pid_namespace* ns) {
  struct user_namespace* owner = BPF_CORE_READ(ns, user_ns);
  rec->own_userns = BPF_CORE_READ(owner, ns.inum);
  rec->own_userns_uid = BPF_CORE_READ(owner, owner.val);
  rec->own_ns_id = 0;
  if (bpf_core_field_exists(ns->ns.ns_id)) rec->own_ns_id = BPF_CORE_READ(ns, ns.ns_id);
}

/* The task's levels and own namespace into s->rec; 0 if its struct pid could not be read. */
static int fill_pid(struct scratch* s, struct pid* pid, __u32 level) {
  const __u32 off_ns = bpf_core_field_offset(struct upid, ns);
  if (bpf_core_type_size(struct upid) != UPID_SIZE || off_ns > UPID_SIZE - 8 ||
      bpf_core_field_offset(struct upid, nr) > UPID_SIZE - 4) {
    return 0; /* a layout this program does not know */
  }
  if (bpf_core_read(s->upids, (level + 1) * UPID_SIZE, &pid->numbers[0]) != 0) return 0;
  const __u8* own = s->upids + level * UPID_SIZE;
  struct pid_namespace* ns = (struct pid_namespace*)*(const __u64*)(own + off_ns);
  __u64 check = check_of(ns);
  /* The same namespace object as the record before's, and not a new one at its address (its id,
   * or its inode, would differ): its ancestors, and so every level's namespace, are the same. */
  int cached = (__u64)ns == s->own_ns && check == s->own_check && level == s->own_level;
  struct level_ctx c = {s, cached};
  bpf_loop(level + 1, fill_level, &c, 0);
  if (!cached) {
    describe_own(&s->rec, ns);
    s->own_ns = (__u64)ns;
    s->own_check = check;
    s->own_level = level;
  }
  return 1;
}

SEC("iter/task")
int pidns_tasks(struct bpf_iter__task* ctx) {
  struct task_struct* task = ctx->task;
  __u32 zero = 0;

  if (!task) return 0;                   /* the end of the walk: nothing to write */
  if (task->pid != task->tgid) return 0; /* a thread: its leader stands for the process */
  struct scratch* s = bpf_map_lookup_elem(&scratch, &zero);
  if (!s) return 0;
  struct pid* pid = task->thread_pid;
  if (!pid) return 0; /* being reaped (detach_pid): procfs no longer lists it either */
  __u32 level = pid->level;
  /* More than MAX_PID_NS_LEVEL cannot be; the decoder would reject it anyway. */
  if (level >= PIDNS_MAX_LEVELS) return 0;
  if (!fill_pid(s, pid, level)) return 0; /* left to procfs */

  /* Plain loads through the task's BTF pointers: the verifier turns each into one load that
   * faults softly, where BPF_CORE_READ costs a helper call. CO-RE relocates their offsets all
   * the same. */
  struct pidns_task_record* rec = &s->rec;
  rec->tgid = task->tgid;
  rec->parent_tgid = task->real_parent->tgid;
  rec->uid = task->real_cred->uid.val;
  rec->flags = task->flags;
  rec->exit_state = task->exit_state;
  rec->nr_threads = task->signal->nr_threads;
  /* Its address only, as a key (CAP_PERFMON lets a program hand kernel addresses out). */
  rec->css_set = (__u64)task->cgroups;
  rec->level = level;
  rec->reserved = 0;
  /* All 16 bytes: set_task_comm() pads with NULs, so no byte of an earlier record stays. */
  bpf_probe_read_kernel(rec->comm, sizeof(rec->comm), task->comm);

  bpf_seq_write(ctx->meta->seq, rec, PIDNS_RECORD_SIZE(level));
  return 0;
}
