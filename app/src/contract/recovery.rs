//! The wire types of account recovery: confirming an address, resetting a forgotten
//! password and changing the address. Every link carries its token in the URL fragment
//! (`/verify-email#token=…`); the landing page posts it back in one of these bodies.

use serde::{Deserialize, Serialize};

/// What a request that sent (or may have sent) a mail answers with: the same whether or not
/// the address has an account, so the answer tells nobody which addresses do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MailSent {
    pub status: MailStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MailStatus {
    CheckYourEmail,
}

impl MailSent {
    pub const CHECK_YOUR_EMAIL: MailSent = MailSent {
        status: MailStatus::CheckYourEmail,
    };
}

/// `{token}`: the token from a link's fragment, for `verify-email`, `account/email/confirm`
/// and `account/email/undo`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LinkToken {
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 128))]
    pub token: Option<String>,
}

/// `{email}` for `POST /api/auth/password-reset`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ResetRequest {
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(format = Email, max_length = 254))]
    pub email: Option<String>,
}

/// `{token, new_password}` for `POST /api/auth/password-reset/confirm`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ResetConfirm {
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 128))]
    pub token: Option<String>,
    /// Required to be strong (scored by zxcvbn) and not built from the email.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(min_length = 10, max_length = 128))]
    pub new_password: Option<String>,
}

/// `{new_email, current_password}` for `POST /api/account/email`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EmailChange {
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(format = Email, max_length = 254))]
    pub new_email: Option<String>,
    #[serde(default)]
    pub current_password: Option<String>,
}
