//! Harvesting remote catalogues into odcat. Today: the mapping of CKAN's package dicts
//! ([`ckan`]), which the CKAN API's writes use as well.

pub mod ckan;
