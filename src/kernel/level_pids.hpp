// LevelPids: a task's PID at each level of PID namespace, the NStgid or NSpid line of its status.
#pragma once

#include <sys/types.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>

namespace pidns {

/// PIDs outermost level first, own level last: at most 33 (MAX_PID_NS_LEVEL + 1). A scan keeps
/// one list per process, and nearly every list is short (a host, a container, perhaps a container
/// inside it), so up to four are held inline: a heap block each would cost more memory than the
/// rest of the list, and a malloc per process. Longer lists move to the heap.
class LevelPids {
 public:
  using value_type = pid_t;
  using size_type = std::size_t;
  using iterator = pid_t*;
  using const_iterator = const pid_t*;

  LevelPids() noexcept : inline_{} {}
  LevelPids(std::initializer_list<pid_t> pids) : LevelPids() { append(pids.begin(), pids.size()); }
  explicit LevelPids(std::span<const pid_t> pids) : LevelPids() {
    append(pids.data(), pids.size());
  }
  LevelPids(const LevelPids& other) : LevelPids() { append(other.data(), other.size_); }
  LevelPids(LevelPids&& other) noexcept : LevelPids() { take(other); }
  LevelPids& operator=(const LevelPids& other) {
    if (this != &other) {
      clear();
      append(other.data(), other.size_);
    }
    return *this;
  }
  LevelPids& operator=(LevelPids&& other) noexcept {
    if (this != &other) {
      release();
      take(other);
    }
    return *this;
  }
  ~LevelPids() { release(); }

  [[nodiscard]] size_type size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] pid_t* data() noexcept { return on_heap() ? heap_ : inline_; }
  [[nodiscard]] const pid_t* data() const noexcept { return on_heap() ? heap_ : inline_; }
  [[nodiscard]] iterator begin() noexcept { return data(); }
  [[nodiscard]] iterator end() noexcept { return data() + size_; }
  [[nodiscard]] const_iterator begin() const noexcept { return data(); }
  [[nodiscard]] const_iterator end() const noexcept { return data() + size_; }
  [[nodiscard]] pid_t& operator[](size_type i) noexcept { return data()[i]; }
  [[nodiscard]] pid_t operator[](size_type i) const noexcept { return data()[i]; }
  [[nodiscard]] pid_t& back() noexcept { return data()[size_ - 1]; }
  [[nodiscard]] pid_t back() const noexcept { return data()[size_ - 1]; }
  [[nodiscard]] pid_t front() const noexcept { return data()[0]; }

  void clear() noexcept { size_ = 0; }
  void push_back(pid_t pid) {
    reserve(size_ + 1);
    data()[size_++] = pid;
  }
  void assign(size_type count, pid_t pid) {
    clear();
    reserve(count);
    std::fill_n(data(), count, pid);
    size_ = static_cast<std::uint32_t>(count);
  }

  friend bool operator==(const LevelPids& a, const LevelPids& b) noexcept {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  static constexpr std::uint32_t kInline = 4;

  [[nodiscard]] bool on_heap() const noexcept { return capacity_ > kInline; }

  void reserve(size_type wanted) {
    if (wanted <= capacity_) return;
    auto capacity = static_cast<std::uint32_t>(std::max<size_type>(wanted, 2 * capacity_));
    auto* grown = new pid_t[capacity];
    std::copy_n(data(), size_, grown);
    if (on_heap()) delete[] heap_;
    heap_ = grown;
    capacity_ = capacity;
  }
  void append(const pid_t* pids, size_type count) {
    reserve(size_ + count);
    std::copy_n(pids, count, data() + size_);
    size_ += static_cast<std::uint32_t>(count);
  }
  // Leaves `other` empty and inline.
  void take(LevelPids& other) noexcept {
    size_ = other.size_;
    capacity_ = other.capacity_;
    if (other.on_heap()) {
      heap_ = other.heap_;
    } else {
      std::copy_n(other.inline_, other.size_, inline_);
    }
    other.size_ = 0;
    other.capacity_ = kInline;
  }
  void release() noexcept {
    if (on_heap()) delete[] heap_;
    size_ = 0;
    capacity_ = kInline;
  }

  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = kInline;  ///< above kInline: heap_ is in use
  union {
    pid_t inline_[kInline];
    pid_t* heap_;
  };
};

}  // namespace pidns
