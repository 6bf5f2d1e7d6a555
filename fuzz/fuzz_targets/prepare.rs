//! Image bytes -> network input (`lcnet::preprocess::prepare`): any input gives an image of
//! the network's size or an error, never a panic or a runaway allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    lcnet::fuzz::prepare(data);
});
