#!/bin/sh
touch /tmp/touched