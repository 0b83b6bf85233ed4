#pragma once
// An owned OpenSSL BIO, freed with BIO_free: what ed25519.cc and x509.cc
// read and write PEM through. Internal to common/crypto.

#include <openssl/bio.h>

#include <memory>

namespace ferry::crypto::internal {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

}  // namespace ferry::crypto::internal
