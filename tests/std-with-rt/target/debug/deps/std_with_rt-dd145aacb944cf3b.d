/work/main/tests/std-with-rt/target/debug/deps/std_with_rt-dd145aacb944cf3b.d: src/main.rs

/work/main/tests/std-with-rt/target/debug/deps/libstd_with_rt-dd145aacb944cf3b.rmeta: src/main.rs

src/main.rs:
