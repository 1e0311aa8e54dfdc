/* SPDX-License-Identifier: GPL-2.0-only */
/* kernel_types: the few kernel types task_iter.bpf.c reads, declared by hand for CO-RE.
 *
 * Why not a vmlinux.h generated at build time from the build machine's BTF
 * (`bpftool btf dump file /sys/kernel/btf/vmlinux format c`): a package is built on one machine
 * and runs on many kernels, and its builder (a buildd chroot, a container, CI) may have no
 * /sys/kernel/btf/vmlinux at all, so the build could not depend on it. CO-RE needs no layout
 * from the build machine anyway: every struct below is preserve_access_index, so clang records
 * each field access by name and the light skeleton's loader has the kernel relocate its offset
 * at load time against the running kernel's BTF. Only the names and types of the fields read must match the kernel's, and those
 * have been stable for years. A field that moved or changed size fails the load with one line,
 * and pidns-tree falls back to procfs. The declarations are a dozen fields instead of 130,000
 * lines of header, and a build is reproducible whatever kernel the builder runs. */
#ifndef PIDNS_SCAN_BPF_KERNEL_TYPES_H
#define PIDNS_SCAN_BPF_KERNEL_TYPES_H

typedef unsigned char __u8;
typedef short __s16;
typedef unsigned short __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long __s64;
typedef unsigned long long __u64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;

/* From include/uapi/linux/bpf.h (ABI: these values never change): bpf_helper_defs.h names the
 * first enum in a prototype, and the map below is of the second. */
enum bpf_func_id { BPF_FUNC_unspec = 0 };
enum bpf_map_type { BPF_MAP_TYPE_PERCPU_ARRAY = 6 };

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

/* ns_id is Linux 6.18's, inside an anonymous union there: CO-RE finds a field by name through
 * anonymous members, and task_iter.bpf.c reads it only where it exists. */
struct ns_common {
  unsigned int inum;
  __u64 ns_id;
};

typedef struct {
  unsigned int val;
} kuid_t;

struct user_namespace {
  kuid_t owner;
  struct ns_common ns;
};

struct pid_namespace {
  struct user_namespace* user_ns;
  struct ns_common ns;
};

struct upid {
  int nr;
  struct pid_namespace* ns;
};

/* numbers[] is a flexible array of level + 1 entries (numbers[1] before Linux 5.x). */
struct pid {
  unsigned int level;
  struct upid numbers[1];
};

struct cred {
  kuid_t uid;
};

struct signal_struct {
  int nr_threads;
};

struct css_set;

struct task_struct {
  unsigned int flags;
  int exit_state;
  int pid;
  int tgid;
  struct task_struct* real_parent;
  struct pid* thread_pid;
  const struct cred* real_cred;
  char comm[16];
  struct signal_struct* signal;
  struct css_set* cgroups;
};

struct seq_file;

struct bpf_iter_meta {
  struct seq_file* seq;
  __u64 session_id;
  __u64 seq_num;
};

/* The context of an iter/task program (kernel/bpf/task_iter.c). */
struct bpf_iter__task {
  struct bpf_iter_meta* meta;
  struct task_struct* task;
};

#pragma clang attribute pop

#endif
