import ArgumentParser
import NIOCore
import NIOPosix

// Run Swift concurrency on the NIO event loops: a request's tasks, its client connection and its
// upstream connection then share one thread, and a request needs no thread switches (each
// connection's task also prefers its channel's loop as task executor: `EventLoopTaskExecutor`).
// This must happen before any async code runs, hence top-level code instead of `@main`.
NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

// `main(_:)` has a synchronous twin that would print the usage and exit; the argument label
// and the explicit `async` closure select the asynchronous one.
let run: () async -> Void = { await Sluice.main(nil) }
await run()
