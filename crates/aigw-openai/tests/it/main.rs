//! The crate's tests, one binary: each test binary links the crate and its dependencies
//! again, and this crate's generated code is large.

// The client tests read and write the wire types through their `Json` entry points (compiled
// in the crate, not again here), so they need the `json` feature too.
#[cfg(all(
    feature = "client",
    feature = "json",
    feature = "chat",
    feature = "responses",
    feature = "embeddings",
    feature = "models"
))]
mod client;
mod json_entry_points;
mod open_doors;
#[cfg(all(feature = "client", feature = "json", feature = "responses"))]
mod responses_done;
mod stream;
