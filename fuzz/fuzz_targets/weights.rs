//! Model card + weights -> a loaded network (`LcNet::from_card_and_bytes`), then one image
//! through it: any input loads and runs or gives an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    lcnet::fuzz::weights(data);
});
