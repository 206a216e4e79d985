#include "server/background_priority.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace nexus {

void LowerThisThreadsPriority() {
  // PRIO_PROCESS with a thread id sets that thread's nice value alone (Linux, setpriority(2)).
  const id_t thread = static_cast<id_t>(syscall(SYS_gettid));
  (void)setpriority(PRIO_PROCESS, thread, kBackgroundNice);
}

}  // namespace nexus
