//! Why a command failed and the exit code that says so. A leaf: every other module of the
//! command line may use it, and it uses none of them.

/// A local failure, such as a file that could not be written.
pub(crate) const EXIT_LOCAL: u8 = 1;
/// Bad usage or input, including a body that does not fit its type.
pub(crate) const EXIT_USAGE: u8 = 2;
/// The API answered with an error status.
pub(crate) const EXIT_API: u8 = 3;
/// The network failed or a request timed out.
pub(crate) const EXIT_NETWORK: u8 = 4;
/// A response was not JSON.
pub(crate) const EXIT_DECODE: u8 = 5;

/// Why a command failed, and the exit code that says so. Code 0 with an empty message is a
/// quiet end: the reader of stdout went away (`| head -1`).
#[derive(Debug)]
pub(crate) struct Failure {
    /// The process exit code.
    pub code: u8,
    /// What is printed after `error: ` on stderr.
    pub message: String,
}

impl Failure {
    /// Bad usage or input.
    pub(crate) fn usage(message: impl Into<String>) -> Failure {
        Failure { code: EXIT_USAGE, message: message.into() }
    }

    /// A local failure.
    pub(crate) fn local(message: impl Into<String>) -> Failure {
        Failure { code: EXIT_LOCAL, message: message.into() }
    }

    /// An error status from the API (or from a webhook handler).
    pub(crate) fn api(message: impl Into<String>) -> Failure {
        Failure { code: EXIT_API, message: message.into() }
    }

    /// A network failure or a timeout.
    pub(crate) fn network(message: impl Into<String>) -> Failure {
        Failure { code: EXIT_NETWORK, message: message.into() }
    }

    /// A response that was not JSON.
    pub(crate) fn decode(message: impl Into<String>) -> Failure {
        Failure { code: EXIT_DECODE, message: message.into() }
    }

    /// The reader of stdout closed it: stop without a word and with success, as gh and
    /// kubectl do.
    pub(crate) fn quiet() -> Failure {
        Failure { code: 0, message: String::new() }
    }

    /// Whether this is the quiet end of [`Failure::quiet`].
    pub(crate) fn is_quiet(&self) -> bool {
        self.code == 0
    }
}

/// A failed write to stdout: a closed pipe ends quietly, anything else is a local failure.
pub(crate) fn stdout_failure(e: std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Failure::quiet()
    } else {
        Failure::local(format!("cannot write to stdout: {e}"))
    }
}

/// Writes to stdout and flushes.
pub(crate) fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).and_then(|()| out.flush()).map_err(stdout_failure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_distinct_and_a_closed_pipe_is_quiet() {
        let distinct: std::collections::BTreeSet<u8> =
            [EXIT_USAGE, EXIT_API, EXIT_NETWORK, EXIT_DECODE, EXIT_LOCAL].into();
        assert_eq!(distinct.len(), 5);
        assert!(!distinct.contains(&0));
        assert!(stdout_failure(std::io::Error::from(std::io::ErrorKind::BrokenPipe)).is_quiet());
        assert_eq!(stdout_failure(std::io::Error::other("disk full")).code, EXIT_LOCAL);
    }
}
