use aigw_openai as o;
fn main() {
    println!(
        "ResponseStreamEvent {}",
        std::mem::size_of::<o::ResponseStreamEvent>()
    );
    println!(
        "ResponseTextDeltaEvent {}",
        std::mem::size_of::<o::ResponseTextDeltaEvent>()
    );
    println!("Response {}", std::mem::size_of::<o::Response>());
    println!("Item {}", std::mem::size_of::<o::Item>());
    println!("OutputItem {}", std::mem::size_of::<o::OutputItem>());
    println!(
        "CreateResponse {}",
        std::mem::size_of::<o::CreateResponse>()
    );
    println!(
        "ChatCompletionRequestMessage {}",
        std::mem::size_of::<o::ChatCompletionRequestMessage>()
    );
    println!(
        "Maybe<String> {}",
        std::mem::size_of::<aigw_wire::Maybe<String>>()
    );
    println!(
        "Maybe<Number> {}",
        std::mem::size_of::<aigw_wire::Maybe<serde_json::Number>>()
    );
}
