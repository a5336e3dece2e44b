# The checkout's build (npm install, node-gyp rebuild, npm run prebuild): the addon itself is
# native/binding.gyp. The published package leaves this file out: npm would run node-gyp at install for a
# binding.gyp at a package's root, and the package has no install script (docs/development.md#publishing).
{
  "targets": [
    {
      "target_name": "rseq_checkout",
      "type": "none",
      "dependencies": [
        "native/binding.gyp:rseq",
        "native/binding.gyp:rseq_fast_calls"
      ]
    }
  ]
}
