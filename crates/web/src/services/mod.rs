//! Work shared by the web interface and the command line.

pub mod gias;
pub mod home;
pub mod matching;
pub mod people;
