#pragma once
// Bridges callback-style completion (the store's writer thread, the tunnel)
// into a coroutine: `T v = co_await AwaitCallback<T>([](auto resolve) {...})`.
// `resolve` may be called from any thread, exactly once; the coroutine
// resumes on its own executor.

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <functional>
#include <memory>

namespace ferry::http {

template <typename T, typename Start>
auto AwaitCallback(Start start) {
  return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(T)>(
      [start = std::move(start)](auto handler) mutable {
        using Handler = decltype(handler);
        auto shared = std::make_shared<Handler>(std::move(handler));
        std::function<void(T)> resolve = [shared](T value) {
          auto ex = boost::asio::get_associated_executor(*shared);
          boost::asio::post(ex, [shared, value = std::move(value)]() mutable { (*shared)(std::move(value)); });
        };
        start(std::move(resolve));
      },
      boost::asio::use_awaitable);
}

}  // namespace ferry::http
