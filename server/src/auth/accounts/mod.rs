//! Accounts: who they are (users, their addresses and the profile `GET /api/me` shows), what
//! their owner can do with them, how they are recovered through mailed links, and what they
//! are told (notices) and can look back on (security events), and taking all of it away
//! (`your_data`: export and deletion).

pub mod account;
pub mod email;
pub mod events;
pub mod links;
pub mod notices;
pub mod profiles;
pub mod recovery;
pub mod sign_up;
pub mod users;
pub mod your_data;
