# XPLEDGE_STATIC (issue 21, third pass): the xpledge executable links no shared library at all
# (-static-pie). A dynamic xpledge spent ~2 ms of CPU and ~150 page faults of every start-up in
# ld.so, loading and relocating libstdc++, libgcc_s, libspdlog, libfmt, libyaml-cpp, libseccomp
# and libm, before main. static-pie keeps ASLR (the executable is still position-independent).
#
# What it takes: spdlog header-only (one TU uses it: engine/audit_log.cpp); fmt compiled once
# into xpledge_fmt (core/fmt_compiled.cpp: fmt's own format.cc, which Debian does not ship as an
# archive); yaml-cpp and libseccomp from their archives; libstdc++, libgcc and glibc static.
# The libraries, unit tests and generators link the same archives, so what the tests run is
# what the executable runs. The cost: a security update of libseccomp, yaml-cpp, fmt, libstdc++
# or glibc reaches xpledge only when it is rebuilt (docs/packaging.md).
#
# OFF: the shared libraries of the distribution, as before. Sanitizer and fuzzing builds force it
# OFF (ASan/UBSan need their runtime as a shared library and do not support -static).
# Defines XPLEDGE_FMT_LIB, XPLEDGE_SPDLOG_LIB, XPLEDGE_YAML_LIB, XPLEDGE_SECCOMP_LIB (what the
# supervisor's libraries link) and XPLEDGE_EXE_LINK_OPTIONS (the xpledge executable's).
option(XPLEDGE_STATIC "Link the xpledge executable statically (static-pie)" ON)
if(XPLEDGE_STATIC AND (XPLEDGE_SANITIZE OR XPLEDGE_FUZZ))
  message(STATUS "xpledge: XPLEDGE_STATIC off: sanitizers need a dynamic executable")
  set(XPLEDGE_STATIC OFF CACHE BOOL "Link the xpledge executable statically (static-pie)" FORCE)
endif()

set(XPLEDGE_EXE_LINK_OPTIONS)
if(NOT XPLEDGE_STATIC)
  set(XPLEDGE_FMT_LIB fmt::fmt)
  set(XPLEDGE_SPDLOG_LIB spdlog::spdlog)
  set(XPLEDGE_YAML_LIB yaml-cpp)
  set(XPLEDGE_SECCOMP_LIB PkgConfig::SECCOMP)
  return()
endif()

# xpledge_static_archive(VAR NAME HEADER_TARGET): an imported target for libNAME.a that takes its
# include directories from HEADER_TARGET (the package's own, shared, target).
function(xpledge_static_archive var name header_target)
  find_library(XPLEDGE_${name}_ARCHIVE NAMES lib${name}.a)
  if(NOT XPLEDGE_${name}_ARCHIVE)
    message(FATAL_ERROR "XPLEDGE_STATIC: lib${name}.a not found (install its -dev package or "
                        "configure with -DXPLEDGE_STATIC=OFF)")
  endif()
  add_library(xpledge::${name}_static STATIC IMPORTED GLOBAL)
  get_target_property(inc ${header_target} INTERFACE_INCLUDE_DIRECTORIES)
  set_target_properties(xpledge::${name}_static PROPERTIES
    IMPORTED_LOCATION ${XPLEDGE_${name}_ARCHIVE})
  if(inc)
    set_target_properties(xpledge::${name}_static PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${inc}")
  endif()
  set(${var} xpledge::${name}_static PARENT_SCOPE)
endfunction()

xpledge_static_archive(XPLEDGE_YAML_LIB yaml-cpp yaml-cpp)
xpledge_static_archive(XPLEDGE_SECCOMP_LIB seccomp PkgConfig::SECCOMP)
# fmt's headers without FMT_SHARED; its non-template code is compiled once (xpledge_fmt, in
# supervisor/CMakeLists.txt), not in every TU as FMT_HEADER_ONLY would.
set(XPLEDGE_FMT_LIB xpledge_fmt)
# spdlog header-only over that fmt (spdlog::spdlog_header_only would bring libfmt.so back).
add_library(xpledge_spdlog_header_only INTERFACE)
target_compile_definitions(xpledge_spdlog_header_only INTERFACE SPDLOG_FMT_EXTERNAL)
get_target_property(spdlog_inc spdlog::spdlog_header_only INTERFACE_INCLUDE_DIRECTORIES)
if(spdlog_inc)
  target_include_directories(xpledge_spdlog_header_only INTERFACE ${spdlog_inc})
endif()
find_package(Threads REQUIRED)
target_link_libraries(xpledge_spdlog_header_only INTERFACE xpledge_fmt Threads::Threads)
set(XPLEDGE_SPDLOG_LIB xpledge_spdlog_header_only)
# -static-pie: no ld.so, no shared library, ASLR kept (glibc relocates the executable itself
# at start, then makes its RELRO part read-only). -z now puts the GOT under RELRO too (full
# RELRO; the dynamic build had partial). glibc warns at link time for the few functions that
# load NSS modules or dlopen at run time; supervisor/CMakeLists.txt turns such a warning into an
# error (the xpledge executable calls none).
set(XPLEDGE_EXE_LINK_OPTIONS -static-pie LINKER:-z,relro,-z,now)
# DT_RELR (binutils >= 2.38, glibc >= 2.36): the ~8,800 relative relocations the executable
# applies to itself at start packed into 2.5 KiB instead of 210 KiB of .rela.dyn: ~20 fewer page
# faults per start-up. Only where a static-pie so linked runs (an older libc.a cannot apply it).
include(CheckCSourceRuns)
set(CMAKE_REQUIRED_LINK_OPTIONS -static-pie LINKER:-z,pack-relative-relocs)
check_c_source_runs("static const char *p = \"x\"; int main(void) { return p[0] != 'x'; }"
                    XPLEDGE_HAVE_STATIC_RELR)
unset(CMAKE_REQUIRED_LINK_OPTIONS)
if(XPLEDGE_HAVE_STATIC_RELR)
  list(APPEND XPLEDGE_EXE_LINK_OPTIONS LINKER:-z,pack-relative-relocs)
endif()
