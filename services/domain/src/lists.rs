//! Lists in commands are bounded: a command names at most [`MAX_LIST_ITEMS`]
//! allocations, parties, priorities, themes or natures. Real reports name a
//! handful; the bound keeps a hostile request (a 1 MiB body holds 100,000
//! short ids) from costing more than a normal one, since duplicates are
//! looked for pairwise and every id is looked up.

use crate::error::DomainError;

/// Most items in one list of a command (`allocations`, `partyIds`,
/// `priorityIds`, `themes`, `nature`).
pub const MAX_LIST_ITEMS: usize = 100;

/// Refuses a list of more than [`MAX_LIST_ITEMS`] items with a
/// `BAD_USER_INPUT` naming `field`.
pub fn bounded<T>(field: &str, items: &[T]) -> Result<(), DomainError> {
    if items.len() > MAX_LIST_ITEMS {
        return Err(DomainError::bad_input(
            field,
            format!(
                "has {} items; at most {MAX_LIST_ITEMS} are allowed",
                items.len()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn up_to_the_maximum_is_accepted() {
        assert!(bounded::<u8>("themes", &[]).is_ok());
        assert!(bounded("partyIds", &["a"; MAX_LIST_ITEMS]).is_ok());
    }

    #[test]
    fn one_more_is_bad_user_input_naming_the_field() {
        let e = bounded("allocations", &[0u8; MAX_LIST_ITEMS + 1]).unwrap_err();
        assert_eq!(
            e,
            DomainError::bad_input("allocations", "has 101 items; at most 100 are allowed")
        );
        assert_eq!(e.code(), "BAD_USER_INPUT");
        assert_eq!(
            e.to_string(),
            "allocations: has 101 items; at most 100 are allowed"
        );
    }
}
