//! Users and their API tokens.
//!
//! A token is `cg_` and 43 URL-safe characters (32 random bytes): shown once, when it is created,
//! and stored only as its SHA-256. Tokens are long random secrets, not passwords, so one fast hash
//! is the right tool: nothing is gained by a slow one, and every request pays for the look-up.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use entity::values::Role;
use entity::{api_token, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, NotSet, QueryFilter, QueryOrder,
    Set,
};
use sha2::{Digest, Sha256};

/// What every token starts with, so leaked tokens are easy to spot (and to scan for).
pub const TOKEN_PREFIX: &str = "cg_";

/// Why an account command failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("a user name is 1 to 64 lower-case letters, digits, '-' or '_'")]
    BadName,
    #[error("a user named {0:?} already exists")]
    NameTaken(String),
    #[error("no user is named {0:?}")]
    NoSuchUser(String),
    #[error("no token starts with {0:?}")]
    NoSuchToken(String),
    #[error("{0:?} starts more than one token; give more of it")]
    AmbiguousToken(String),
    #[error("the token label must be 1 to 100 characters")]
    BadLabel,
    #[error("the system has no randomness source: {0}")]
    Random(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

fn is_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Creates a user.
pub async fn create_user(
    db: &DatabaseConnection,
    name: &str,
    role: Role,
) -> Result<user::Model, AccountError> {
    if !is_name(name) {
        return Err(AccountError::BadName);
    }
    if find_user(db, name).await?.is_some() {
        return Err(AccountError::NameTaken(name.to_owned()));
    }
    Ok(user::ActiveModel {
        id: NotSet,
        name: Set(name.to_owned()),
        role: Set(role),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?)
}

pub async fn find_user(db: &DatabaseConnection, name: &str) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::Name.eq(name))
        .one(db)
        .await
}

/// The hex SHA-256 of a secret, as stored.
pub fn hash_secret(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new token's row and its secret, which exists nowhere else from now on.
pub struct IssuedToken {
    pub token: api_token::Model,
    pub secret: String,
}

/// Creates a token for the user `name`.
pub async fn create_token(
    db: &DatabaseConnection,
    name: &str,
    label: &str,
) -> Result<IssuedToken, AccountError> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 100 {
        return Err(AccountError::BadLabel);
    }
    let Some(owner) = find_user(db, name).await? else {
        return Err(AccountError::NoSuchUser(name.to_owned()));
    };
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AccountError::Random(e.to_string()))?;
    let secret = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let token = api_token::ActiveModel {
        id: NotSet,
        user_id: Set(owner.id),
        label: Set(label.to_owned()),
        secret_hash: Set(hash_secret(&secret)),
        prefix: Set(secret.chars().take(10).collect()),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(IssuedToken { token, secret })
}

/// Revokes the one token whose secret starts with `prefix` (the first 10 characters are shown by
/// `token list`; the whole secret works too). Revoking twice is harmless.
pub async fn revoke_token(db: &DatabaseConnection, prefix: &str) -> Result<api_token::Model, AccountError> {
    let shown: String = prefix.chars().take(10).collect();
    let mut candidates: Vec<api_token::Model> = api_token::Entity::find()
        .filter(api_token::Column::Prefix.eq(shown))
        .all(db)
        .await?;
    if prefix.len() > 10 {
        let hash = hash_secret(prefix);
        candidates.retain(|t| t.secret_hash == hash);
    }
    let token = match candidates.len() {
        0 => return Err(AccountError::NoSuchToken(prefix.to_owned())),
        1 => candidates.remove(0),
        _ => return Err(AccountError::AmbiguousToken(prefix.to_owned())),
    };
    if token.revoked_at.is_some() {
        return Ok(token);
    }
    let mut active: api_token::ActiveModel = token.into();
    active.revoked_at = Set(Some(Utc::now()));
    Ok(active.update(db).await?)
}

/// Every token of a user, newest first.
pub async fn list_tokens(db: &DatabaseConnection, name: &str) -> Result<Vec<api_token::Model>, AccountError> {
    let Some(owner) = find_user(db, name).await? else {
        return Err(AccountError::NoSuchUser(name.to_owned()));
    };
    Ok(api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(owner.id))
        .order_by_desc(api_token::Column::Id)
        .all(db)
        .await?)
}

/// The user a token secret belongs to, if the token exists and is not revoked.
pub async fn authenticate(db: &DatabaseConnection, secret: &str) -> Result<Option<user::Model>, DbErr> {
    if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 100 {
        return Ok(None);
    }
    let found = api_token::Entity::find()
        .filter(api_token::Column::SecretHash.eq(hash_secret(secret)))
        .filter(api_token::Column::RevokedAt.is_null())
        .find_also_related(user::Entity)
        .one(db)
        .await?;
    Ok(found.and_then(|(_, owner)| owner))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_short_lower_case_handles() {
        assert!(is_name("ada"));
        assert!(is_name("mod_2-x"));
        for bad in ["", "Ada", "a b", "é", &"a".repeat(65)] {
            assert!(!is_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn the_stored_hash_is_sha256_hex() {
        assert_eq!(
            hash_secret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
