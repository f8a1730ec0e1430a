//! Who may write when: the gate every write from the API passes before it opens a transaction.
//!
//! A write holds a database connection from `BEGIN` to `COMMIT`. On SQLite only one transaction
//! writes at a time, and the others would each hold a pooled connection while they wait for the
//! lock: eight large writes from one contributor took every connection, and a moderator's write and
//! other callers' token look-ups (which need a connection too) waited 5 s and failed. So:
//!
//! - each user has one write in flight at a time; a second waits up to [`USER_WAIT`] for the first,
//!   then is refused with `TOO_MANY_WRITES`. One caller's burst queues behind itself, never in
//!   front of others;
//! - writes from all users together hold at most [`WriteGate::writers`] connections (one on SQLite,
//!   half the pool on PostgreSQL), waiting without a connection for their turn, so token look-ups
//!   and reads always find one free.
//!
//! The gate is per app (per pool). Its per-user table grows by one small entry per user who has
//! written; users are accounts an admin creates, so it stays small.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sea_orm::{DatabaseConnection, DbBackend};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::{Actor, WriteError};

/// How long a user's write waits for their previous one before it is refused.
pub const USER_WAIT: Duration = Duration::from_secs(2);

/// How long a write waits for the writers ahead of it (other users') before it is refused; the
/// same as the pool's default wait for a connection.
pub const WRITERS_WAIT: Duration = Duration::from_secs(5);

/// The gate: one write at a time per user, and a bound on writes in flight.
#[derive(Debug)]
pub struct WriteGate {
    writers: Arc<Semaphore>,
    /// How many permits `writers` has.
    size: usize,
    user_wait: Duration,
    writers_wait: Duration,
    users: Mutex<HashMap<i32, Arc<Semaphore>>>,
}

/// Leave to write; the write path is free again for the next writer when it is dropped.
#[derive(Debug)]
pub struct WritePass {
    _user: Option<OwnedSemaphorePermit>,
    _writer: OwnedSemaphorePermit,
}

impl Default for WriteGate {
    /// One writer at a time, as on SQLite.
    fn default() -> Self {
        WriteGate::with_writers(1)
    }
}

impl WriteGate {
    /// A gate with `writers` writes in flight at most (at least 1).
    pub fn with_writers(writers: usize) -> Self {
        let size = writers.max(1);
        WriteGate {
            writers: Arc::new(Semaphore::new(size)),
            size,
            user_wait: USER_WAIT,
            writers_wait: WRITERS_WAIT,
            users: Mutex::default(),
        }
    }

    /// The gate for `db`'s pool: one writer on SQLite, which writes one transaction at a time
    /// anyway; half the pool on PostgreSQL, leaving the other half to reads and token look-ups.
    pub fn for_database(db: &DatabaseConnection) -> Self {
        match db.get_database_backend() {
            DbBackend::Postgres => {
                let pool = db.get_postgres_connection_pool().options().get_max_connections();
                WriteGate::with_writers(usize::try_from(pool / 2).unwrap_or(1))
            }
            _ => WriteGate::default(),
        }
    }

    /// Writes in flight at most.
    pub fn writers(&self) -> usize {
        self.size
    }

    /// Waits for `actor`'s turn to write: their previous write finished, and a writer's place free.
    pub async fn enter(&self, actor: Actor) -> Result<WritePass, WriteError> {
        let user = match actor {
            Actor::System => None,
            Actor::User { id, .. } => {
                let own = self
                    .users
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .entry(id)
                    .or_insert_with(|| Arc::new(Semaphore::new(1)))
                    .clone();
                let permit = tokio::time::timeout(self.user_wait, own.acquire_owned())
                    .await
                    .map_err(|_| {
                        WriteError::Busy(format!(
                            "Your previous write is still running after {} s; send the next one when it has finished.",
                            self.user_wait.as_secs()
                        ))
                    })?
                    .map_err(|_| WriteError::Busy("The write path is closed.".to_owned()))?;
                Some(permit)
            }
        };
        let writer = tokio::time::timeout(self.writers_wait, self.writers.clone().acquire_owned())
            .await
            .map_err(|_| {
                WriteError::Busy(format!(
                    "The server is busy with other writes and could not start this one within {} s; try again.",
                    self.writers_wait.as_secs()
                ))
            })?
            .map_err(|_| WriteError::Busy("The write path is closed.".to_owned()))?;
        Ok(WritePass {
            _user: user,
            _writer: writer,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::values::Role;

    /// A gate that gives up after 20 ms, for tests.
    fn quick(writers: usize) -> WriteGate {
        WriteGate {
            user_wait: Duration::from_millis(20),
            writers_wait: Duration::from_millis(20),
            ..WriteGate::with_writers(writers)
        }
    }

    fn user(id: i32) -> Actor {
        Actor::User {
            id,
            role: Role::Contributor,
        }
    }

    #[tokio::test]
    async fn a_users_second_write_waits_for_the_first_then_is_refused() {
        let gate = quick(2);
        let first = gate.enter(user(1)).await.expect("the first write");
        let second = gate.enter(user(1)).await;
        assert!(matches!(second, Err(WriteError::Busy(_))), "{second:?}");
        drop(first);
        assert!(gate.enter(user(1)).await.is_ok());
    }

    #[tokio::test]
    async fn another_users_write_does_not_wait_for_the_first_users() {
        let gate = quick(2);
        let _first = gate.enter(user(1)).await.expect("user 1");
        assert!(gate.enter(user(2)).await.is_ok());
    }

    #[tokio::test]
    async fn writes_in_flight_are_bounded_by_the_writers() {
        let gate = quick(1);
        let _first = gate.enter(user(1)).await.expect("user 1");
        assert!(matches!(gate.enter(user(2)).await, Err(WriteError::Busy(_))));
    }
}
