//! Work shared by the web interface and the command line.

pub mod account;
pub mod directory;
pub mod gias;
pub mod home;
pub mod imports;
pub mod matching;
pub mod people;
pub mod platform;
pub mod programmes;
