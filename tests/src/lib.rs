//! Test harness shared by the black-box tests.
