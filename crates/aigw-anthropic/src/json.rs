//! The top-level types' JSON entry points, compiled once here (see
//! [`aigw_wire::Json`]), with the `json` feature: a program that parses these types in one
//! crate only is better served by `aigw_wire::from_slice` there, and compiles nothing here.

aigw_wire::json_entry_points! {
    #[cfg(feature = "json")]
    crate::ErrorResponse;
    #[cfg(all(feature = "json", any(feature = "messages", feature = "batches")))]
    crate::CreateMessageParams;
    #[cfg(all(feature = "json", any(feature = "messages", feature = "batches")))]
    crate::Message;
    #[cfg(all(feature = "json", feature = "messages"))]
    union crate::MessageStreamEvent;
}
