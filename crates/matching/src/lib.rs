pub mod placeholder {}
pub mod groups;
pub mod themes;
