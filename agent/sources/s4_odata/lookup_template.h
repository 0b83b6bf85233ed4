#pragma once
// A lookup's read template (odata_lookup.h): checked when the configuration
// is read, and filled in with an item's fields for each read. The values
// come from S/4's answers; the template is the only thing that shapes the
// request.

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace ferry::agent {

// The template's reason for being refused, or empty when it is usable: a
// resource of the entity's own service (no leading '/', no '..', no
// sap-client or $format), starting with an entity set's name, whose every
// {Field} stands in quotes ('{Field}').
std::string CheckLookupTemplate(const std::string& read);

// `read` with the item's fields filled in, relative to the service root;
// nullopt when the item lacks one of them (or it is not text or a number).
// A value is written as the inside of an OData string literal (' doubled)
// and percent-encoded, so it cannot end the literal or the option.
std::optional<std::string> LookupPath(const std::string& read, const boost::json::object& item);

// A field's value as text: strings and numbers; nullopt for anything else
// (absent, null, an object) and for blank text.
std::optional<std::string> LookupFieldText(const boost::json::object& item, std::string_view field);

}  // namespace ferry::agent
