# viz/app/embed.cmake — turn a file into a C array (cmake -P script).
#   cmake -DIN=file -DOUT=out.c -DNAME=sym -P embed.cmake
# defines: const unsigned char NAME_data[]; const size_t NAME_size;
file(READ ${IN} _hex HEX)
string(LENGTH "${_hex}" _len)
math(EXPR _n "${_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," _arr "${_hex}")
string(REGEX REPLACE "(([^,]*,){16})" "\\1\n" _arr "${_arr}")
file(WRITE ${OUT} "/* generated from ${IN} by viz/app/embed.cmake; do not edit */\n"
    "#include <stddef.h>\n"
    "extern const unsigned char ${NAME}_data[];\nextern const size_t ${NAME}_size;\n"
    "const unsigned char ${NAME}_data[] = {\n${_arr}0};\n"
    "const size_t ${NAME}_size = ${_n};\n")
