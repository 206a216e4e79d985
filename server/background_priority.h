// Background work yields the cores to foreground work: a thread that follows the store behind
// the callers (link detection) runs at a lower CPU priority than the threads that publish,
// receive and answer (as RocksDB can lower its compaction threads). Under full load it falls
// behind and catches up once the load drops; how far behind it is, is reported
// (FederationStatus).
#ifndef NEXUS_SERVER_BACKGROUND_PRIORITY_H_
#define NEXUS_SERVER_BACKGROUND_PRIORITY_H_

namespace nexus {

// The nice value background threads take: on Linux's fair scheduler a nice-10 thread gets about
// a tenth of a core that a nice-0 thread also wants, and a whole idle core.
inline constexpr int kBackgroundNice = 10;

// Lowers the calling thread's CPU priority to kBackgroundNice (Linux sets nice per thread). A
// failure (a sandbox that forbids it) leaves the thread as it was: only throughput depends on it.
void LowerThisThreadsPriority();

}  // namespace nexus

#endif  // NEXUS_SERVER_BACKGROUND_PRIORITY_H_
