//! The top-level types' JSON entry points, compiled once here (see [`aigw_wire::Json`]).

aigw_wire::json_entry_points! {
    crate::ErrorResponse;
    #[cfg(feature = "chat")]
    crate::CreateChatCompletionRequest;
    #[cfg(feature = "chat")]
    crate::CreateChatCompletionResponse;
    #[cfg(feature = "responses")]
    crate::CreateResponse;
    #[cfg(feature = "responses")]
    crate::Response;
}
