# Turns one text file into a C++ source defining it as a std::string_view, so the program
# carries its own stylesheet and script. Run as:
#   cmake -DIN=file -DOUT=file.cpp -DNAME=identifier -P embed.cmake
# The text goes into a raw string literal; a file containing the literal's closing sequence
# is refused rather than silently cut short.
file(READ "${IN}" content)
set(delim "sbasset")
string(FIND "${content}" ")${delim}\"" found)
if(NOT found EQUAL -1)
  message(FATAL_ERROR "${IN} contains the sequence )${delim}\" and cannot be embedded")
endif()
set(tmp "${OUT}.tmp")
file(WRITE "${tmp}" "// Generated from ${IN} by embed.cmake: do not edit.\n#include \"site/assets.hpp\"\n\nnamespace sb::storysync::assets {\nconst std::string_view ${NAME} = R\"${delim}(")
file(APPEND "${tmp}" "${content}")
file(APPEND "${tmp}" ")${delim}\";\n}  // namespace sb::storysync::assets\n")
file(COPY_FILE "${tmp}" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${tmp}")
