mod account;
mod field;
mod forms;
mod home;
mod login;
mod not_found;
mod password;
mod security;
mod sessions;
mod signup;

pub use account::AccountPage;
pub use home::HomePage;
pub use login::LoginPage;
pub use not_found::NotFound;
pub use password::PasswordPage;
pub use security::SecurityPage;
pub use sessions::SessionsPage;
pub use signup::SignupPage;
