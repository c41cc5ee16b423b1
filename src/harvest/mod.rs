//! Harvesting remote catalogues into odcat. So far: the mapping of CKAN's package dicts ([`ckan`]),
//! which the CKAN API's writes use as well, and the guarded HTTP fetching of a source's pages
//! ([`fetch`]).

pub mod ckan;
pub mod fetch;
