#include "controlplane/down/poll_watermarks.h"

namespace ferry::controlplane {
namespace {

std::string KeyOf(const std::string& channel, const std::string& object) { return channel + "/" + object; }

}  // namespace

Result<std::optional<int64_t>> PollWatermarks::Get(const std::string& channel, const std::string& object) const {
  const std::string key = KeyOf(channel, object);
  Result<std::optional<std::string>> value = values_.Get(key);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return std::optional<int64_t>();
  if ((*value)->size() != 8) return Status::DataLoss("the poll watermark of " + key + " is not 8 bytes");
  return std::optional<int64_t>(static_cast<int64_t>(store::DecodeU64Key(**value)));
}

Status PollWatermarks::Put(store::WriteTxn& txn, const std::string& channel, const std::string& object,
                           int64_t unix_ms) const {
  return values_.PutInTxn(txn, KeyOf(channel, object), store::EncodeU64Key(static_cast<uint64_t>(unix_ms)));
}

}  // namespace ferry::controlplane
