//! The top-level types' JSON entry points, compiled once here (see
//! [`aigw_wire::Json`]), with the `json` feature: a program that parses these types in one
//! crate only is better served by `aigw_wire::from_slice` there, and compiles nothing here.

aigw_wire::json_entry_points! {
    #[cfg(feature = "json")]
    crate::ErrorResponse;
    #[cfg(all(feature = "json", feature = "chat"))]
    crate::CreateChatCompletionRequest;
    #[cfg(all(feature = "json", feature = "chat"))]
    crate::CreateChatCompletionResponse;
    #[cfg(all(feature = "json", feature = "responses"))]
    crate::CreateResponse;
    #[cfg(all(feature = "json", feature = "responses"))]
    crate::Response;
    #[cfg(all(feature = "json", feature = "chat"))]
    crate::CreateChatCompletionStreamResponse;
    #[cfg(all(feature = "json", feature = "responses"))]
    union crate::ResponseStreamEvent;
}
