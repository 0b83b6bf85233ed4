#include "common/crypto/ed25519.h"

#include <sys/stat.h>

#include <memory>

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "tests/support/temp_dir.h"

namespace ferry::crypto {
namespace {

SigningKey NewKey() {
  auto key = SigningKey::Generate();
  EXPECT_TRUE(key.ok()) << key.status().ToString();
  return std::move(key).value();
}

VerifyKey VerifyKeyOf(const SigningKey& key) {
  auto verify = VerifyKey::FromPem(key.PublicKeyPem());
  EXPECT_TRUE(verify.ok()) << verify.status().ToString();
  return std::move(verify).value();
}

// PEM of a P-256 key, to show that a well-formed key of the wrong kind is
// refused by name rather than with a decoding error.
std::string EcKeyPem(bool private_key) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"),
                                                          EVP_PKEY_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  int written = private_key ? PEM_write_bio_PKCS8PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr)
                            : PEM_write_bio_PUBKEY(bio.get(), key.get());
  EXPECT_EQ(written, 1);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

TEST(Ed25519Test, SignVerifyRoundTrip) {
  SigningKey key = NewKey();
  VerifyKey verify = VerifyKeyOf(key);
  for (const std::string& message :
       std::initializer_list<std::string>{"", "bundle v42: flows/orders.yaml", std::string(100000, 'x')}) {
    auto signature = key.Sign(message);
    ASSERT_TRUE(signature.ok()) << signature.status().ToString();
    EXPECT_EQ(signature->size(), kSignatureSize);
    EXPECT_TRUE(verify.Verify(message, *signature));
  }
}

TEST(Ed25519Test, FlippedBitInMessageOrSignatureFails) {
  SigningKey key = NewKey();
  VerifyKey verify = VerifyKeyOf(key);
  const std::string message = "bundle v42";
  std::string signature = key.Sign(message).value();

  std::string tampered = message;
  tampered[3] ^= 0x01;
  EXPECT_FALSE(verify.Verify(tampered, signature));

  for (size_t i : {size_t{0}, size_t{31}, size_t{63}}) {
    std::string bad = signature;
    bad[i] ^= 0x80;
    EXPECT_FALSE(verify.Verify(message, bad)) << "byte " << i;
  }
}

TEST(Ed25519Test, SignatureByAnotherKeyFails) {
  SigningKey key = NewKey();
  SigningKey other = NewKey();
  const std::string message = "bundle v42";
  EXPECT_FALSE(VerifyKeyOf(key).Verify(message, other.Sign(message).value()));
  EXPECT_NE(key.KeyId(), other.KeyId());
}

TEST(Ed25519Test, WrongLengthSignatureFails) {
  SigningKey key = NewKey();
  VerifyKey verify = VerifyKeyOf(key);
  std::string signature = key.Sign("m").value();
  EXPECT_FALSE(verify.Verify("m", signature.substr(0, 63)));
  EXPECT_FALSE(verify.Verify("m", signature + '\0'));
  EXPECT_FALSE(verify.Verify("m", ""));
}

TEST(Ed25519Test, PemFilesRoundTrip) {
  testing::TempDir dir;
  SigningKey key = NewKey();
  const auto private_path = dir.path() / "cp.key";
  const auto public_path = dir.path() / "cp.pub";

  ASSERT_TRUE(key.WritePrivatePemFile(private_path).ok());
  struct stat st {};
  ASSERT_EQ(stat(private_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_NE(testing::ReadFile(private_path).find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
  testing::WriteFile(public_path, key.PublicKeyPem());

  auto loaded = SigningKey::LoadPemFile(private_path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  auto verify = VerifyKey::LoadPemFile(public_path);
  ASSERT_TRUE(verify.ok()) << verify.status().ToString();
  EXPECT_EQ(loaded->KeyId(), key.KeyId());
  EXPECT_TRUE(verify->Verify("m", loaded->Sign("m").value()));
}

TEST(Ed25519Test, SecondWriteRefusesToOverwrite) {
  testing::TempDir dir;
  const auto path = dir.path() / "cp.key";
  SigningKey first = NewKey();
  ASSERT_TRUE(first.WritePrivatePemFile(path).ok());
  const std::string before = testing::ReadFile(path);

  Status s = NewKey().WritePrivatePemFile(path);
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(s.message().find(path.string()), std::string::npos);
  EXPECT_EQ(testing::ReadFile(path), before);
}

TEST(Ed25519Test, MissingFileIsNotFoundAndNamesIt) {
  testing::TempDir dir;
  const auto path = dir.path() / "absent.key";
  auto key = SigningKey::LoadPemFile(path);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), StatusCode::kNotFound);
  EXPECT_NE(key.status().message().find(path.string()), std::string::npos);
}

TEST(Ed25519Test, NonEd25519KeyIsRefusedByName) {
  testing::TempDir dir;
  const auto path = dir.path() / "ec.key";
  testing::WriteFile(path, EcKeyPem(true));
  auto key = SigningKey::LoadPemFile(path);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(key.status().message(), path.string() + ": holds a key of type EC, not an Ed25519 key");

  auto verify = VerifyKey::FromPem(EcKeyPem(false));
  ASSERT_FALSE(verify.ok());
  EXPECT_NE(verify.status().message().find("not an Ed25519 key"), std::string::npos);
}

TEST(Ed25519Test, GarbagePemFails) {
  for (std::string_view text : {"", "hello", "-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----\n",
                                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}) {
    auto key = SigningKey::FromPem(text);
    ASSERT_FALSE(key.ok()) << text;
    EXPECT_EQ(key.status().code(), StatusCode::kInvalidArgument);
    EXPECT_FALSE(VerifyKey::FromPem(text).ok()) << text;
  }
  auto key = SigningKey::FromPem("hello");
  EXPECT_NE(key.status().message().find("not PEM"), std::string::npos) << key.status().message();
}

TEST(Ed25519Test, PemOfTheWrongKindIsExplained) {
  SigningKey key = NewKey();
  testing::TempDir dir;
  const auto path = dir.path() / "cp.key";
  ASSERT_TRUE(key.WritePrivatePemFile(path).ok());
  const std::string private_pem = testing::ReadFile(path);

  auto verify = VerifyKey::FromPem(private_pem);
  ASSERT_FALSE(verify.ok());
  EXPECT_NE(verify.status().message().find("must be only the 'PUBLIC KEY'"), std::string::npos);
  // Key material never ends up in an error message.
  EXPECT_EQ(verify.status().message().find(private_pem.substr(28, 20)), std::string::npos);

  auto signing = SigningKey::FromPem(key.PublicKeyPem());
  ASSERT_FALSE(signing.ok());
  EXPECT_NE(signing.status().message().find("signing needs the 'PRIVATE KEY'"), std::string::npos);
}

// RFC 8032 section 7.1, test 1, so that keys and signatures stay compatible
// with every other Ed25519 implementation.
constexpr char kRfc8032Test1Pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n";

TEST(Ed25519Test, KnownAnswerFromRfc8032) {
  auto key = SigningKey::FromPem(kRfc8032Test1Pem);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  // SHA-256 of the public key d75a9801...f707511a.
  EXPECT_EQ(key->KeyId(), "21fe31dfa154a261");
  auto signature = key->Sign("");
  ASSERT_TRUE(signature.ok());
  EXPECT_EQ(Sha256Hex(*signature),
            Sha256Hex(std::string("\xe5\x56\x43\x00\xc3\x60\xac\x72\x90\x86\xe2\xcc\x80\x6e\x82\x8a"
                                  "\x84\x87\x7f\x1e\xb8\xe5\xd9\x74\xd8\x73\xe0\x65\x22\x49\x01\x55"
                                  "\x5f\xb8\x82\x15\x90\xa3\x3b\xac\xc6\x1e\x39\x70\x1c\xf9\xb4\x6b"
                                  "\xd2\x5b\xf5\xf0\x59\x5b\xbe\x24\x65\x51\x41\x43\x8e\x7a\x10\x0b",
                                  kSignatureSize)));
}

TEST(Ed25519Test, KeyIdIsStableAndSharedWithVerifyKey) {
  SigningKey key = NewKey();
  const std::string id = key.KeyId();
  EXPECT_EQ(id.size(), 16u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(key.KeyId(), id);
  EXPECT_EQ(VerifyKeyOf(key).KeyId(), id);

  testing::TempDir dir;
  ASSERT_TRUE(key.WritePrivatePemFile(dir.path() / "cp.key").ok());
  EXPECT_EQ(SigningKey::LoadPemFile(dir.path() / "cp.key")->KeyId(), id);
}

TEST(Ed25519Test, Sha256HexKnownVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace ferry::crypto
