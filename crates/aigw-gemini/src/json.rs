//! The top-level types' JSON entry points, compiled once here (see [`aigw_wire::Json`]).

aigw_wire::json_entry_points! {
    crate::ErrorResponse;
    #[cfg(any(feature = "count_tokens", feature = "generate"))]
    crate::GenerateContentRequest;
    #[cfg(feature = "generate")]
    crate::GenerateContentResponse;
}
