// The few declarations of V8's fast API (include/v8-fast-api-calls.h) this addon needs, which Node does not
// ship (nodejs/node#43619): a CTypeInfo per argument, a CFunctionInfo per signature and a CFunction per C
// callback, handed to FunctionTemplate::New (declared in Node's own v8-template.h). Every Node binary exports
// the two constructors used here; the layouts below are read by V8's compiler as they are, so a wrong one
// gives wrong arguments or a crash inside a compile job. They are therefore written only for the V8 versions
// they were checked against, each read from that version's header, and nothing is declared for any other:
//
//   V8 (Node)      CTypeInfo                       CFunctionInfo constructor
//   11.3 (20)      {type, sequence type, flags}    (return info, argument count, argument infos)
//   12.4 (22)      {type, sequence type, flags}    (..., Int64Representation)
//   13.6 (24)      {type, sequence type, flags}    (..., Int64Representation)
//   14.6 (26)      {type, flags}                   (..., Int64Representation)
//
// In all four, the type numbers used here are the same (kVoid 0 ... kFloat64 8, kV8Value 10), the receiver
// comes first as a kV8Value, and CFunction is {address, type info}. A fast callback of these signatures takes
// no FastApiCallbackOptions (whose layout changed in 13.x), allocates nothing and never calls into JavaScript.
#pragma once

#include <v8-version.h>

#include <cstdint>

#define RSEQ_V8_IS(major, minor) (V8_MAJOR_VERSION == (major) && V8_MINOR_VERSION == (minor))

#if RSEQ_V8_IS(11, 3) || RSEQ_V8_IS(12, 4) || RSEQ_V8_IS(13, 6) || RSEQ_V8_IS(14, 6)
#define RSEQ_FAST_CALLS_VERIFIED 1
#else
#define RSEQ_FAST_CALLS_VERIFIED 0
#endif

// CTypeInfo lost its sequence-type byte in V8 14; CFunctionInfo's constructor took an Int64Representation in 12.
#define RSEQ_V8_TYPE_INFO_HAS_SEQUENCE_TYPE (V8_MAJOR_VERSION < 14)
#define RSEQ_V8_FUNCTION_INFO_HAS_INT64_REPRESENTATION (V8_MAJOR_VERSION >= 12)

#if RSEQ_FAST_CALLS_VERIFIED

namespace v8 {

class CTypeInfo {
 public:
  enum class Type : uint8_t {
    kVoid = 0,
    kBool = 1,
    kUint8 = 2,
    kInt32 = 3,
    kUint32 = 4,
    kInt64 = 5,
    kUint64 = 6,
    kFloat32 = 7,
    kFloat64 = 8,
    kPointer = 9,
    kV8Value = 10,
  };
#if RSEQ_V8_TYPE_INFO_HAS_SEQUENCE_TYPE
  enum class SequenceType : uint8_t { kScalar = 0 };
#endif
  enum class Flags : uint8_t { kNone = 0 };

  constexpr explicit CTypeInfo(Type type) : type_(type) {}

 private:
  Type type_;
#if RSEQ_V8_TYPE_INFO_HAS_SEQUENCE_TYPE
  SequenceType sequence_type_ = SequenceType::kScalar;
#endif
  Flags flags_ = Flags::kNone;
};

class CFunctionInfo {
 public:
#if RSEQ_V8_FUNCTION_INFO_HAS_INT64_REPRESENTATION
  enum class Int64Representation : uint8_t { kNumber = 0, kBigInt = 1 };
  // Exported by Node (V8_EXPORT in V8's header).
  CFunctionInfo(const CTypeInfo& return_info, unsigned int arg_count, const CTypeInfo* arg_info,
                Int64Representation repr);
#else
  CFunctionInfo(const CTypeInfo& return_info, unsigned int arg_count, const CTypeInfo* arg_info);
#endif

 private:
  const CTypeInfo return_info_;
#if RSEQ_V8_FUNCTION_INFO_HAS_INT64_REPRESENTATION
  const Int64Representation repr_;
#endif
  const unsigned int arg_count_;
  const CTypeInfo* arg_info_;
};

class CFunction {
 public:
  // Exported by Node (V8_EXPORT in V8's header).
  CFunction(const void* address, const CFunctionInfo* type_info);

 private:
  const void* address_;
  const CFunctionInfo* type_info_;
};

}  // namespace v8

#if RSEQ_V8_TYPE_INFO_HAS_SEQUENCE_TYPE
static_assert(sizeof(v8::CTypeInfo) == 3, "V8 11.3-13.6: CTypeInfo is three bytes");
#else
static_assert(sizeof(v8::CTypeInfo) == 2, "V8 14.6: CTypeInfo is two bytes");
#endif
static_assert(sizeof(v8::CFunction) == 2 * sizeof(void*), "CFunction is an address and a type info");
// V8's constructor writes into the storage this build allocates: 16 bytes in all four (return info and the
// representation in the first word, the count at 4, the argument infos at 8).
static_assert(sizeof(v8::CFunctionInfo) == 16, "CFunctionInfo is 16 bytes on 64-bit targets");

#endif  // RSEQ_FAST_CALLS_VERIFIED
