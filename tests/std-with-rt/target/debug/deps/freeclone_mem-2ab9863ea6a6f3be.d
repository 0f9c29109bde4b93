/work/main/tests/std-with-rt/target/debug/deps/freeclone_mem-2ab9863ea6a6f3be.d: /work/main/mem/src/lib.rs

/work/main/tests/std-with-rt/target/debug/deps/libfreeclone_mem-2ab9863ea6a6f3be.rmeta: /work/main/mem/src/lib.rs

/work/main/mem/src/lib.rs:
