//! What only admins do: read the processing history and the GPU timeline, compare runs,
//! re-run and cancel. Callers check the admin role first.

pub mod batches;
pub mod choices;
pub mod history;
pub mod reruns;
pub mod runs;
