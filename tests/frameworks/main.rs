//! Tensors and models of the deep-learning frameworks, logged directly: burn (feature `burn`),
//! candle (feature `candle`) and tch (feature `tch`, needs libtorch). Without those features this binary has
//! no tests.

#[path = "../common/mod.rs"]
mod common;

#[cfg(feature = "burn")]
mod burn;
#[cfg(feature = "candle")]
mod candle_tensors;
#[cfg(feature = "candle")]
mod graph_candle;
#[cfg(feature = "tch")]
mod tch_tensors;
