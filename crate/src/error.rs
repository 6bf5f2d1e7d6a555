//! The library's one error type.

/// Everything the `lcnet` library can fail with. Messages are written for the person who chose
/// the input (they end up verbatim in the CLI and in the web page).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("could not read the image: {0}")]
    Image(String),

    #[error("the image is {width}x{height} pixels; the limit is {limit} pixels ({limit_mp} MP)", limit_mp = .limit / 1_000_000)]
    ImageTooLarge { width: u32, height: u32, limit: u64 },

    #[error("the file is empty")]
    Empty,

    #[error("the weights do not fit the model: {0}")]
    Weights(String),

    #[error("the model card (JSON) is invalid: {0}")]
    Config(String),

    #[error("GPU: {0}")]
    Gpu(String),

    #[cfg(feature = "reference")]
    #[error(transparent)]
    Candle(#[from] candle_core::Error),
}

/// The library's result type.
pub type Result<T> = std::result::Result<T, Error>;
