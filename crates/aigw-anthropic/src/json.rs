//! The top-level types' JSON entry points, compiled once here (see [`aigw_wire::Json`]).

aigw_wire::json_entry_points! {
    crate::ErrorResponse;
    #[cfg(any(feature = "messages", feature = "batches"))]
    crate::CreateMessageParams;
    #[cfg(any(feature = "messages", feature = "batches"))]
    crate::Message;
}
