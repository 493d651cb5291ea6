//! End-to-end tests of the workspace: real AWS SDK clients and boto3 against the emulator.
