pub mod placeholder {}
pub mod flow;
pub mod reviews;
pub mod facilitators;
