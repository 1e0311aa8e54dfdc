// pause: a statically linked process that waits for a signal, so that tests can run it inside a
// chroot that holds nothing else (tests/robust/test_hostile_pins.py). Prints "ready" first.
#include <unistd.h>

int main() {
  static const char kReady[] = "ready\n";
  if (::write(STDOUT_FILENO, kReady, sizeof kReady - 1) < 0) return 1;
  ::pause();
  return 0;
}
