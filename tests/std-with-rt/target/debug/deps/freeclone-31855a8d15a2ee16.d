/work/main/tests/std-with-rt/target/debug/deps/freeclone-31855a8d15a2ee16.d: /work/main/src/lib.rs /work/main/src/../arch/x86_64/mod.rs /work/main/src/../arch/x86_64/../generic/ids.rs /work/main/src/../arch/x86_64/../generic/tls.rs /work/main/src/../arch/x86_64/../generic/signals.rs /work/main/src/../arch/x86_64/../generic/signals_restorer.rs /work/main/src/clone.rs /work/main/src/clone_args.rs /work/main/src/errno.rs /work/main/src/fd.rs /work/main/src/flags.rs /work/main/src/process.rs /work/main/src/rt.rs /work/main/src/rt/mem.rs /work/main/src/signal.rs /work/main/src/stack.rs /work/main/src/sys/mod.rs /work/main/src/sys/raw.rs /work/main/src/sys/process.rs /work/main/src/sys/pidfd.rs /work/main/src/sys/wait.rs /work/main/src/sys/signal.rs /work/main/src/sys/file.rs /work/main/src/sys/mm.rs /work/main/src/sys/futex.rs /work/main/src/sys/mount.rs /work/main/src/sys/system.rs /work/main/src/sys/exec.rs /work/main/src/sys/seccomp.rs /work/main/src/thread.rs /work/main/src/tls.rs /work/main/src/types.rs

/work/main/tests/std-with-rt/target/debug/deps/libfreeclone-31855a8d15a2ee16.rmeta: /work/main/src/lib.rs /work/main/src/../arch/x86_64/mod.rs /work/main/src/../arch/x86_64/../generic/ids.rs /work/main/src/../arch/x86_64/../generic/tls.rs /work/main/src/../arch/x86_64/../generic/signals.rs /work/main/src/../arch/x86_64/../generic/signals_restorer.rs /work/main/src/clone.rs /work/main/src/clone_args.rs /work/main/src/errno.rs /work/main/src/fd.rs /work/main/src/flags.rs /work/main/src/process.rs /work/main/src/rt.rs /work/main/src/rt/mem.rs /work/main/src/signal.rs /work/main/src/stack.rs /work/main/src/sys/mod.rs /work/main/src/sys/raw.rs /work/main/src/sys/process.rs /work/main/src/sys/pidfd.rs /work/main/src/sys/wait.rs /work/main/src/sys/signal.rs /work/main/src/sys/file.rs /work/main/src/sys/mm.rs /work/main/src/sys/futex.rs /work/main/src/sys/mount.rs /work/main/src/sys/system.rs /work/main/src/sys/exec.rs /work/main/src/sys/seccomp.rs /work/main/src/thread.rs /work/main/src/tls.rs /work/main/src/types.rs

/work/main/src/lib.rs:
/work/main/src/../arch/x86_64/mod.rs:
/work/main/src/../arch/x86_64/../generic/ids.rs:
/work/main/src/../arch/x86_64/../generic/tls.rs:
/work/main/src/../arch/x86_64/../generic/signals.rs:
/work/main/src/../arch/x86_64/../generic/signals_restorer.rs:
/work/main/src/clone.rs:
/work/main/src/clone_args.rs:
/work/main/src/errno.rs:
/work/main/src/fd.rs:
/work/main/src/flags.rs:
/work/main/src/process.rs:
/work/main/src/rt.rs:
/work/main/src/rt/mem.rs:
/work/main/src/signal.rs:
/work/main/src/stack.rs:
/work/main/src/sys/mod.rs:
/work/main/src/sys/raw.rs:
/work/main/src/sys/process.rs:
/work/main/src/sys/pidfd.rs:
/work/main/src/sys/wait.rs:
/work/main/src/sys/signal.rs:
/work/main/src/sys/file.rs:
/work/main/src/sys/mm.rs:
/work/main/src/sys/futex.rs:
/work/main/src/sys/mount.rs:
/work/main/src/sys/system.rs:
/work/main/src/sys/exec.rs:
/work/main/src/sys/seccomp.rs:
/work/main/src/thread.rs:
/work/main/src/tls.rs:
/work/main/src/types.rs:
