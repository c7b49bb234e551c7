//! Durations in JSON as seconds (a number), as job files write them.

/// `Option<Duration>` as an optional number of seconds.
pub(super) mod option {
    use std::time::Duration;

    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    // serde's `with` hands the field by reference.
    #[allow(clippy::ref_option)]
    pub(crate) fn serialize<S: Serializer>(
        value: &Option<Duration>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(duration) => serializer.serialize_some(&duration.as_secs_f64()),
            None => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Duration>, D::Error> {
        let Some(secs) = Option::<f64>::deserialize(deserializer)? else {
            return Ok(None);
        };
        Duration::try_from_secs_f64(secs).map(Some).map_err(|_| {
            D::Error::custom(format!(
                "expected a number of seconds from 0 to {}, found {secs}",
                Duration::MAX.as_secs()
            ))
        })
    }
}
