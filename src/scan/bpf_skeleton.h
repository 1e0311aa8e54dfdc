/* bpf_skeleton: the C side of the BPF task iterator's loader. bpftool's light skeleton
 * (task_iter.lskel.h, generated from bpf/task_iter.bpf.c) is C that C++ does not compile, so
 * bpf_skeleton.c wraps it in these four calls for bpf_iterator.cpp. */
#ifndef PIDNS_SCAN_BPF_SKELETON_H
#define PIDNS_SCAN_BPF_SKELETON_H

#ifdef __cplusplus
extern "C" {
#endif

/** The program, loaded and attached to the task iterator. */
struct pidns_bpf_iter;

/** Loads and attaches the program: the kernel runs the skeleton's loader program, which loads
 * it and relocates its CO-RE accesses against the kernel's own BTF (Linux 5.17+). NULL with
 * errno set on failure, and *step naming what failed. With a `log` of `log_size` bytes, the
 * verifier writes its log there. */
struct pidns_bpf_iter* pidns_bpf_iter_load(char* log, unsigned log_size, const char** step);

/** A new iterator file (BPF_ITER_CREATE): each read of it walks the tasks again. -1 with errno
 * on failure. */
int pidns_bpf_iter_create(const struct pidns_bpf_iter* iter);

/** Detaches and unloads; closes every descriptor. NULL is allowed. */
void pidns_bpf_iter_destroy(struct pidns_bpf_iter* iter);

#ifdef __cplusplus
}
#endif

#endif
