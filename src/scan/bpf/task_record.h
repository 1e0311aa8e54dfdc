/* SPDX-License-Identifier: MIT */
/* task_record: the layout of one record of the BPF task iterator, shared by the BPF program
 * (task_iter.bpf.c) and its decoder (scan/bpf_records.cpp). A record is a fixed header and then
 * one entry per level of the task's struct pid, outermost first: most processes have one to
 * three levels of the 33 possible, and writing only those cut the bytes read four-fold. A read()
 * of the iterator never splits a record (bpf_seq_read rolls back a record that does not fit and
 * hands it out whole on the next read). Include <linux/types.h> (C++) or kernel_types.h (BPF)
 * first, for __u32, __s32 and __u64. */
#ifndef PIDNS_SCAN_BPF_TASK_RECORD_H
#define PIDNS_SCAN_BPF_TASK_RECORD_H

/* MAX_PID_NS_LEVEL (include/linux/pid_namespace.h): a struct pid has 1 to 33 levels. */
#define PIDNS_MAX_LEVELS 33
/* TASK_COMM_LEN (include/linux/sched.h). */
#define PIDNS_COMM_LEN 16

/* task->flags (include/linux/sched.h); stable since Linux 2.6. */
#define PIDNS_PF_EXITING 0x00000004u
#define PIDNS_PF_KTHREAD 0x00200000u
/* task->exit_state (include/linux/sched.h): DEAD is the lower bit. */
#define PIDNS_EXIT_DEAD 0x10
#define PIDNS_EXIT_ZOMBIE 0x20

/* One level of the thread-group leader's struct pid: its PID there and that namespace. The
 * namespace's parent is the level above's (alloc_pid() fills numbers[i] from ns and its parents),
 * so it is not written. */
struct pidns_task_level {
  __u32 nr;      /* numbers[i].nr */
  __u32 ns_inum; /* numbers[i].ns->ns.inum: the inode readlink(/proc/PID/ns/pid) shows */
};

/* One thread-group leader. PIDs are the initial namespace's (level 0): the iterator sees them
 * whatever namespace it runs in, and they join a task to its parent's record. The own_* fields
 * describe the namespace the task lives in, the last level's: what NS_GET_ID, NS_GET_USERNS and
 * NS_GET_OWNER_UID would answer on its ns/pid. */
struct pidns_task_record {
  __u64 own_ns_id;      /* ns.ns_id (NS_GET_ID's, Linux 6.18); 0 where the kernel has none */
  __u64 css_set;        /* task->cgroups: tasks with the same one are in the same cgroup of every
                           hierarchy, and but for those exiting (PF_EXITING shows / in every v1
                           hierarchy) their /proc/PID/cgroup reads the same */
  __u32 tgid;           /* task->tgid, == levels[0].nr */
  __u32 parent_tgid;    /* task->real_parent->tgid; 0 for children of the idle task */
  __u32 uid;            /* task->real_cred->uid: the real UID in the initial user namespace */
  __u32 flags;          /* task->flags: PIDNS_PF_* */
  __s32 exit_state;     /* task->exit_state: 0, PIDNS_EXIT_ZOMBIE, PIDNS_EXIT_DEAD */
  __s32 nr_threads;     /* task->signal->nr_threads, what status calls Threads */
  __u32 level;          /* thread_pid->level: levels[0..level] follow the header */
  __u32 own_userns;     /* ns->user_ns->ns.inum: the owning user namespace's inode */
  __u32 own_userns_uid; /* ns->user_ns->owner: its creator's UID in the initial user namespace */
  __u32 reserved;       /* zero: keeps levels 8-byte aligned, the header 72 bytes */
  char comm[PIDNS_COMM_LEN]; /* task->comm, NUL-terminated */
  struct pidns_task_level levels[PIDNS_MAX_LEVELS]; /* only level + 1 of them are written */
};

/* The bytes a record with `level` takes: the header and level + 1 levels. */
#define PIDNS_RECORD_SIZE(level) \
  (sizeof(struct pidns_task_record) - (PIDNS_MAX_LEVELS - 1 - (level)) * sizeof(struct pidns_task_level))

#endif
