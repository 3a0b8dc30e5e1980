# Debian packages, built with `cpack -G DEB` in a build folder:
#   storybooth  the daemon, its pages, the systemd units, the default settings (a conffile),
#               the udev rule, the journald drop-in and storybooth-avahi-update
#   storysync   the laptop program
# Depends come from the binaries (dpkg-shlibdeps, package dpkg-dev). The files only the package
# installs (units, /etc, udev, journald) are left out of a plain `cmake --install`.
include(GNUInstallDirs)

set(_os ${PROJECT_SOURCE_DIR}/hardware/os)

# The existing install rules (program, pages, hardware/os, avahi script, docs) have no component:
# they are the "Unspecified" component, which becomes the storybooth package.
install(FILES ${_os}/storybooth.service ${_os}/storybooth-kiosk.service
        DESTINATION /lib/systemd/system COMPONENT Unspecified EXCLUDE_FROM_ALL)
install(FILES ${_os}/storybooth.conf
        DESTINATION /etc/storybooth COMPONENT Unspecified EXCLUDE_FROM_ALL)
install(FILES ${_os}/90-storybooth-audio.rules
        DESTINATION /lib/udev/rules.d COMPONENT Unspecified EXCLUDE_FROM_ALL)
install(FILES ${_os}/journald.conf.d/storybooth.conf
        DESTINATION /usr/lib/systemd/journald.conf.d COMPONENT Unspecified EXCLUDE_FROM_ALL)
if(TARGET storysync)
  install(TARGETS storysync RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT storysync)
endif()

# Debian's name for the target architecture.
string(TOLOWER "${CMAKE_SYSTEM_PROCESSOR}" _cpu)
if(_cpu MATCHES "^(x86_64|amd64)$")
  set(_deb_arch amd64)
elseif(_cpu MATCHES "^(aarch64|arm64)$")
  set(_deb_arch arm64)
elseif(_cpu MATCHES "^armv?[67]")
  set(_deb_arch armhf)
else()
  set(_deb_arch ${_cpu})
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME storybooth)
set(CPACK_PACKAGE_VENDOR "storybooth")
set(CPACK_PACKAGE_CONTACT "storybooth maintainers <storybooth@localhost>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL Unspecified)
if(TARGET storysync)
  list(APPEND CPACK_COMPONENTS_ALL storysync)
endif()
set(CPACK_COMPONENTS_GROUPING IGNORE)

set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${_deb_arch})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION sound)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)

# storybooth
set(CPACK_DEBIAN_UNSPECIFIED_PACKAGE_NAME storybooth)
set(CPACK_DEBIAN_UNSPECIFIED_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_UNSPECIFIED_PACKAGE_SECTION sound)
set(CPACK_DEBIAN_UNSPECIFIED_PACKAGE_DEPENDS "adduser")
# The touchscreen (storybooth-kiosk.service) runs Chromium under cage and waits for the daemon
# with curl; Avahi lets laptops find the booth. The daemon runs without them.
set(CPACK_DEBIAN_UNSPECIFIED_PACKAGE_RECOMMENDS "cage, chromium, curl, avahi-daemon")
set(CPACK_DEBIAN_UNSPECIFIED_PACKAGE_SUGGESTS "gpiod")
set(CPACK_COMPONENT_UNSPECIFIED_DESCRIPTION
  "story-recording booth\n The booth daemon: records stories from a USB microphone to Opus with a FLAC master, keeps a catalog with consents, and serves the touchscreen and the librarian's admin pages. Includes the systemd units, the default settings, the udev rule for stable audio names and the Avahi advertisement script.")

set(_debian_scripts ${CMAKE_CURRENT_BINARY_DIR}/debian-control)
file(MAKE_DIRECTORY ${_debian_scripts})
foreach(_script postinst prerm postrm)
  file(COPY ${_os}/debian/${_script} DESTINATION ${_debian_scripts}
       FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
endforeach()
file(WRITE ${_debian_scripts}/conffiles "/etc/storybooth/storybooth.conf\n")
set(CPACK_DEBIAN_UNSPECIFIED_PACKAGE_CONTROL_EXTRA
    ${_debian_scripts}/postinst ${_debian_scripts}/prerm ${_debian_scripts}/postrm ${_debian_scripts}/conffiles)
set(CPACK_DEBIAN_UNSPECIFIED_PACKAGE_CONTROL_STRICT_PERMISSION ON)

# storysync
set(CPACK_DEBIAN_STORYSYNC_PACKAGE_NAME storysync)
set(CPACK_DEBIAN_STORYSYNC_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_STORYSYNC_PACKAGE_SECTION sound)
set(CPACK_COMPONENT_STORYSYNC_DESCRIPTION
  "copies a story booth's recordings to a laptop\n storysync pairs with a storybooth on the local network (or reads a USB export) and copies every finished story, checking each file's SHA-256.")

include(CPack)
