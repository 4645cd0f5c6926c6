// Filled in by its owner; registered in meson.build.
