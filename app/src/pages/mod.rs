mod account;
mod forms;
mod home;
mod login;
mod not_found;
mod signup;

pub use account::AccountPage;
pub use home::HomePage;
pub use login::LoginPage;
pub use not_found::NotFound;
pub use signup::SignupPage;
